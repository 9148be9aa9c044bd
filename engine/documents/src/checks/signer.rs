//! Who signed, as the clerk reads it off the signer's certificate: the name, the fiscal code an
//! Italian qualified certificate carries in its subject's `serialNumber` (`TINIT-RSSMRA80A01H501U`),
//! the issuing authority, the validity dates and the certificate's serial number.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Tag, Tagged};
use x509_cert::name::Name;

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// Who signed a `.p7m`, from the certificate that verified the signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The subject's common name (CN), or the whole subject in RFC 4514 form if it has none.
    pub subject: String,
    /// The fiscal code from the subject's `serialNumber` (`TINIT-RSSMRA80A01H501U` gives
    /// `RSSMRA80A01H501U`; `IT:…` forms too), when it holds one.
    pub fiscal_code: Option<String>,
    /// The issuer's common name, or the whole issuer in RFC 4514 form if it has none.
    pub issuer: String,
    /// When the certificate starts being valid.
    pub not_before: Timestamp,
    /// When the certificate stops being valid.
    pub not_after: Timestamp,
    /// The certificate's serial number, in upper-case hexadecimal.
    pub serial: String,
}

impl Signer {
    /// Reads the signer off a certificate.
    pub(crate) fn from_certificate(certificate: &Certificate) -> Self {
        let tbs = &certificate.tbs_certificate;
        let subject_serial = attribute(&tbs.subject, &SERIAL_NUMBER);
        let validity = |time: x509_cert::time::Time| {
            let seconds = i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
            Timestamp::from_second(seconds).unwrap_or(Timestamp::MAX)
        };
        Signer {
            subject: display_name(&tbs.subject),
            fiscal_code: subject_serial.as_deref().and_then(fiscal_code),
            issuer: display_name(&tbs.issuer),
            not_before: validity(tbs.validity.not_before),
            not_after: validity(tbs.validity.not_after),
            serial: tbs
                .serial_number
                .as_bytes()
                .iter()
                .skip_while(|&&b| b == 0)
                .map(|b| format!("{b:02X}"))
                .collect::<String>(),
        }
    }
}

/// The CN, or the whole name in RFC 4514 form.
fn display_name(name: &Name) -> String {
    attribute(name, &COMMON_NAME).unwrap_or_else(|| name.to_string())
}

/// The first value of an attribute in a name, decoded from any directory string type.
fn attribute(name: &Name, oid: &ObjectIdentifier) -> Option<String> {
    name.0.iter().flat_map(|rdn| rdn.0.iter()).filter(|atv| atv.oid == *oid).find_map(|atv| {
        let bytes = atv.value.value();
        match atv.value.tag() {
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
                String::from_utf8(bytes.to_vec()).ok()
            }
            // T.61 in theory, Latin-1 in practice.
            Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
            Tag::BmpString => {
                let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
                String::from_utf16(&units).ok()
            }
            _ => None,
        }
    })
}

/// The fiscal code in a subject `serialNumber`: ETSI EN 319 412-1 semantics identifiers
/// (`TINIT-…`) and the older `IT:…` form; for an unprefixed value, one shaped like a fiscal code.
/// A VAT number (`VATIT-…`) or a passport number (`PASIT-…`) is not a fiscal code.
fn fiscal_code(serial: &str) -> Option<String> {
    let serial = serial.trim();
    let upper = serial.to_ascii_uppercase();
    let code = if let Some(code) = upper.strip_prefix("TINIT-") {
        code
    } else if let Some(code) = upper.strip_prefix("IT:") {
        code
    } else if upper.len() == 16 {
        &upper
    } else {
        return None;
    };
    let shaped = matches!(code.len(), 11 | 16) && code.bytes().all(|b| b.is_ascii_alphanumeric());
    shaped.then(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use x509_cert::der::Decode;

    use super::*;

    #[test]
    fn the_fixture_signer_is_mario_rossi_with_his_fiscal_code() {
        let certificate = Certificate::from_der(include_bytes!("fixtures/ec-signer.der")).unwrap();
        let signer = Signer::from_certificate(&certificate);
        assert_eq!(signer.subject, "Mario Rossi");
        assert_eq!(signer.fiscal_code.as_deref(), Some("RSSMRA80A01H501U"));
        assert_eq!(signer.issuer, "Sportello Test Root");
        assert_eq!(signer.serial, "1002");
        // `openssl x509 -days 1095`.
        assert_eq!(signer.not_after.as_second() - signer.not_before.as_second(), 1095 * 86_400);
    }

    #[test]
    fn fiscal_codes_come_out_of_every_serial_number_form() {
        assert_eq!(fiscal_code("TINIT-RSSMRA80A01H501U").as_deref(), Some("RSSMRA80A01H501U"));
        assert_eq!(fiscal_code("IT:RSSMRA80A01H501U").as_deref(), Some("RSSMRA80A01H501U"));
        assert_eq!(fiscal_code("tinit-rssmra80a01h501u").as_deref(), Some("RSSMRA80A01H501U"));
        assert_eq!(fiscal_code("RSSMRA80A01H501U").as_deref(), Some("RSSMRA80A01H501U"));
        assert_eq!(fiscal_code("TINIT-01234567890").as_deref(), Some("01234567890"));
        assert_eq!(fiscal_code("VATIT-01234567890"), None);
        assert_eq!(fiscal_code("PASIT-YA1234567"), None);
        assert_eq!(fiscal_code("TINIT-RSS MRA"), None);
        assert_eq!(fiscal_code("20231234"), None);
    }

    #[test]
    fn a_subject_without_a_common_name_shows_in_full() {
        let name: Name = "O=Comune di Prova,C=IT".parse().unwrap();
        assert_eq!(display_name(&name), "O=Comune di Prova,C=IT");
        let name: Name = "CN=Mario Rossi,C=IT".parse().unwrap();
        assert_eq!(display_name(&name), "Mario Rossi");
    }

    #[test]
    fn signers_travel_as_json() {
        let certificate = Certificate::from_der(include_bytes!("fixtures/ec-signer.der")).unwrap();
        let signer = Signer::from_certificate(&certificate);
        let json = serde_json::to_string(&signer).unwrap();
        assert_eq!(serde_json::from_str::<Signer>(&json).unwrap(), signer);
    }
}
