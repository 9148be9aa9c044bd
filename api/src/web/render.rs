//! The page templates: handlebars files embedded in the binary (`api/web/templates/`), rendered with
//! HTML escaping and three helpers: `loc` picks the Italian or English side of a text as the page's
//! language says, `date` writes a day (or an instant, in Europe/Rome) the way people read it, and
//! `json` prints a value as indented JSON. A template that fails to compile stops the server at start.

use handlebars::{
    Context, Handlebars, Helper, HelperResult, JsonRender, Output, RenderContext, RenderError, RenderErrorReason,
};
use serde_json::Value as Json;

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout", include_str!("../../web/templates/layout.hbs")),
    ("fields", include_str!("../../web/templates/fields.hbs")),
    ("file_fields", include_str!("../../web/templates/file_fields.hbs")),
    ("case_file", include_str!("../../web/templates/case_file.hbs")),
    ("documents", include_str!("../../web/templates/documents.hbs")),
    ("message_list", include_str!("../../web/templates/message_list.hbs")),
    ("messages", include_str!("../../web/templates/messages.hbs")),
    ("profile", include_str!("../../web/templates/profile.hbs")),
    ("summary", include_str!("../../web/templates/summary.hbs")),
    ("error", include_str!("../../web/templates/error.hbs")),
    ("signin", include_str!("../../web/templates/signin.hbs")),
    ("my_cases", include_str!("../../web/templates/my_cases.hbs")),
    ("catalogue", include_str!("../../web/templates/catalogue.hbs")),
    ("application", include_str!("../../web/templates/application.hbs")),
    ("citizen_case", include_str!("../../web/templates/citizen_case.hbs")),
    ("worklist", include_str!("../../web/templates/worklist.hbs")),
    ("clerk_case", include_str!("../../web/templates/clerk_case.hbs")),
    ("workflows", include_str!("../../web/templates/workflows.hbs")),
    ("workflow", include_str!("../../web/templates/workflow.hbs")),
    ("validate", include_str!("../../web/templates/validate.hbs")),
    ("scenarios", include_str!("../../web/templates/scenarios.hbs")),
    ("search", include_str!("../../web/templates/search.hbs")),
    ("rated", include_str!("../../web/templates/rated.hbs")),
    ("ratings", include_str!("../../web/templates/ratings.hbs")),
    ("payments", include_str!("../../web/templates/payments.hbs")),
    ("payment_table", include_str!("../../web/templates/payment_table.hbs")),
];

const MONTHS_IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The compiled templates.
#[derive(Debug)]
pub struct Pages {
    registry: Handlebars<'static>,
}

impl Pages {
    /// Compiles every template.
    pub fn new() -> Result<Pages, handlebars::TemplateError> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(false);
        for (name, source) in TEMPLATES {
            registry.register_template_string(name, *source)?;
        }
        registry.register_helper("loc", Box::new(loc));
        registry.register_helper("date", Box::new(date));
        registry.register_helper("json", Box::new(json));
        Ok(Pages { registry })
    }

    /// The page `name` rendered with `context`.
    pub fn render(&self, name: &str, context: &Json) -> Result<String, RenderError> {
        self.registry.render(name, context)
    }
}

fn lang(ctx: &Context) -> &str {
    ctx.data().get("lang").and_then(Json::as_str).unwrap_or("it")
}

/// `{{loc text}}`: `text.en` on an English page when there is one, else `text.it`; a plain string as is.
fn loc(h: &Helper, _: &Handlebars, ctx: &Context, _: &mut RenderContext, out: &mut dyn Output) -> HelperResult {
    let value = h.param(0).map(|p| p.value()).unwrap_or(&Json::Null);
    let text = match value {
        Json::Object(map) => {
            let en = map.get("en").and_then(Json::as_str).filter(|_| lang(ctx) == "en");
            en.or_else(|| map.get("it").and_then(Json::as_str)).unwrap_or_default().to_owned()
        }
        Json::Null => String::new(),
        other => other.render(),
    };
    out.write(&handlebars::html_escape(&text))?;
    Ok(())
}

/// `{{date value}}`: `2026-12-01` as "1 dicembre 2026" (or "1 December 2026"); an RFC 3339 instant as
/// its day and time in Europe/Rome. Anything else is written as it is.
fn date(h: &Helper, _: &Handlebars, ctx: &Context, _: &mut RenderContext, out: &mut dyn Output) -> HelperResult {
    let text = h.param(0).and_then(|p| p.value().as_str()).unwrap_or_default();
    out.write(&handlebars::html_escape(&human_date(text, lang(ctx))))?;
    Ok(())
}

/// `{{json value}}`: the value as indented JSON (escaped).
fn json(h: &Helper, _: &Handlebars, _: &Context, _: &mut RenderContext, out: &mut dyn Output) -> HelperResult {
    let value = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex("json", 0))?.value();
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    out.write(&handlebars::html_escape(&text))?;
    Ok(())
}

/// A day or an instant as people read it in `lang`.
pub fn human_date(text: &str, lang: &str) -> String {
    let day = |d: jiff::civil::Date| {
        let month = usize::try_from(d.month() - 1).unwrap_or(0);
        match lang {
            "en" => format!("{} {} {}", d.day(), MONTHS_EN[month], d.year()),
            _ => format!("{} {} {}", d.day(), MONTHS_IT[month], d.year()),
        }
    };
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return day(d);
    }
    if let Ok(instant) = text.parse::<jiff::Timestamp>() {
        let zoned = instant.to_zoned(sportello_runtime::clock::rome());
        let time = format!("{:02}:{:02}", zoned.hour(), zoned.minute());
        return match lang {
            "en" => format!("{} at {time}", day(zoned.date())),
            _ => format!("{} alle {time}", day(zoned.date())),
        };
    }
    text.to_owned()
}

/// Italian elides an article or preposition before a day said with a vowel (8, 11): "il 8 marzo"
/// becomes "l'8 marzo", "dal 11" "dall'11", "al 8" "all'8". The rest of `text` is left as it is.
pub fn elide(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let elided = match (words[i], words.get(i + 1).copied()) {
            ("il", Some(day @ ("8" | "11"))) => Some(format!("l'{day}")),
            ("dal", Some(day @ ("8" | "11"))) => Some(format!("dall'{day}")),
            ("al", Some(day @ ("8" | "11"))) => Some(format!("all'{day}")),
            _ => None,
        };
        match elided {
            Some(word) => {
                out.push(word);
                i += 2;
            }
            None => {
                out.push(words[i].to_owned());
                i += 1;
            }
        }
    }
    out.join(" ")
}

/// A size in bytes as people read it in `lang`: kilobytes up to a megabyte ("850 KB", never fewer than
/// one), then megabytes with one decimal below ten ("1,2 MB", "1.2 MB" in English; "2 MB" when the
/// decimal is nought) and whole ones above (1 MB = 1,048,576 bytes, as workflows write limits).
pub fn human_size(bytes: u64, lang: &str) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    if bytes < MB {
        return format!("{} KB", bytes.div_ceil(KB).max(1));
    }
    let tenths = (bytes * 10 + MB / 2) / MB;
    if tenths >= 100 || tenths.is_multiple_of(10) {
        return format!("{} MB", (tenths + 5) / 10);
    }
    let separator = if lang == "en" { '.' } else { ',' };
    format!("{}{separator}{} MB", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_compiles() {
        Pages::new().unwrap();
    }

    #[test]
    fn dates_read_in_the_page_language() {
        assert_eq!(human_date("2027-03-29", "it"), "29 marzo 2027");
        assert_eq!(human_date("2027-03-29", "en"), "29 March 2027");
        assert_eq!(human_date("2026-11-29T09:30:00Z", "it"), "29 novembre 2026 alle 10:30");
        assert_eq!(human_date("soon", "it"), "soon");
    }

    #[test]
    fn articles_before_eight_and_eleven_are_elided() {
        assert_eq!(elide("Caricato il 8 dicembre 2026"), "Caricato l'8 dicembre 2026");
        assert_eq!(elide("valido dal 11 marzo al 8 aprile"), "valido dall'11 marzo all'8 aprile");
        assert_eq!(elide("dal 1 marzo al 18 aprile, il 80%"), "dal 1 marzo al 18 aprile, il 80%");
    }

    #[test]
    fn sizes_read_in_the_page_language() {
        assert_eq!(human_size(10, "it"), "1 KB");
        assert_eq!(human_size(850 * 1024, "it"), "850 KB");
        assert_eq!(human_size(1_258_291, "it"), "1,2 MB");
        assert_eq!(human_size(1_258_291, "en"), "1.2 MB");
        assert_eq!(human_size(2 * 1024 * 1024, "it"), "2 MB");
        assert_eq!(human_size(20 * 1024 * 1024, "it"), "20 MB");
        assert_eq!(human_size(500 * 1024 * 1024, "it"), "500 MB");
    }

    #[test]
    fn texts_follow_the_language_and_are_escaped() {
        let mut registry = Handlebars::new();
        registry.register_helper("loc", Box::new(loc));
        registry.register_template_string("t", "{{loc text}}").unwrap();
        let text = json!({"it": "Domanda <b>", "en": "Application"});
        assert_eq!(registry.render("t", &json!({"lang": "it", "text": text})).unwrap(), "Domanda &lt;b&gt;");
        assert_eq!(registry.render("t", &json!({"lang": "en", "text": text})).unwrap(), "Application");
        let only_it = json!({"it": "Solo italiano"});
        assert_eq!(registry.render("t", &json!({"lang": "en", "text": only_it})).unwrap(), "Solo italiano");
    }
}
