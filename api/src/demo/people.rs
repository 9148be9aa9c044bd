//! Who the demo's cases belong to and who works on them: made-up applicants with names and valid
//! fiscal codes (built the way the revenue agency builds them, the check character from the engine),
//! and the clerks of each office with the roles their workflows ask for.

use jiff::civil::{Date, date};
use sportello_definition::codice_fiscale::check_character;
use sportello_runtime::case::Actor;

use super::rng::Rng;

const SURNAMES: &[&str] = &[
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferri",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Ferraro",
    "Ferrara",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "Sala",
    "De Angelis",
    "Gatti",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Farina",
    "Rizzi",
    "Monti",
    "Cattaneo",
    "Morelli",
    "Amato",
    "Silvestri",
    "Mazza",
    "Testa",
    "Grassi",
    "Pellegrino",
    "Carbone",
    "Giuliani",
    "Benedetti",
    "Barone",
    "Rossetti",
    "Caputo",
    "Montanari",
    "Guerra",
    "Palmieri",
    "Bernardi",
    "Martino",
    "Fiore",
    "De Rosa",
    "Ferretti",
    "Bellini",
    "Basile",
    "Riva",
    "Donati",
    "Piras",
    "Vitali",
    "Battaglia",
    "Sartori",
    "Neri",
    "Costantini",
    "Milani",
    "Pagano",
    "Ruggiero",
    "Sorrentino",
    "D'Amico",
    "Orlando",
    "Negri",
    "Malagoli",
    "Bellei",
    "Guidetti",
    "Vandelli",
    "Pongiluppi",
    "Zanoli",
    "Bertoni",
    "Gibertini",
];

const MEN: &[&str] = &[
    "Marco",
    "Giuseppe",
    "Luca",
    "Andrea",
    "Francesco",
    "Alessandro",
    "Matteo",
    "Lorenzo",
    "Davide",
    "Simone",
    "Federico",
    "Riccardo",
    "Stefano",
    "Paolo",
    "Giovanni",
    "Roberto",
    "Antonio",
    "Fabio",
    "Massimo",
    "Daniele",
    "Alberto",
    "Enrico",
    "Claudio",
    "Nicola",
    "Tommaso",
    "Filippo",
    "Emanuele",
    "Pietro",
    "Gabriele",
    "Michele",
    "Ahmed",
    "Ion",
    "Mohamed",
    "Arben",
];

const WOMEN: &[&str] = &[
    "Giulia",
    "Francesca",
    "Chiara",
    "Sara",
    "Laura",
    "Valentina",
    "Alessia",
    "Martina",
    "Elena",
    "Silvia",
    "Federica",
    "Elisa",
    "Anna",
    "Maria",
    "Paola",
    "Roberta",
    "Barbara",
    "Cristina",
    "Giorgia",
    "Sofia",
    "Alice",
    "Aurora",
    "Beatrice",
    "Emma",
    "Irene",
    "Marta",
    "Monica",
    "Simona",
    "Fatima",
    "Ioana",
];

/// Birthplace codes (cadastral codes of Italian towns, `Z…` for countries abroad) with their weights.
const PLACES: &[(&str, f64)] = &[
    ("F257", 40.0), // Modena
    ("B819", 5.0),  // Carpi
    ("I462", 4.0),  // Sassuolo
    ("A944", 6.0),  // Bologna
    ("H223", 4.0),  // Reggio Emilia
    ("G337", 3.0),  // Parma
    ("H501", 3.0),  // Roma
    ("F205", 3.0),  // Milano
    ("F839", 5.0),  // Napoli
    ("G273", 3.0),  // Palermo
    ("C351", 2.0),  // Catania
    ("Z100", 2.0),  // Albania
    ("Z129", 2.0),  // Romania
    ("Z330", 2.0),  // Morocco
    ("Z352", 1.0),  // Tunisia
];

const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";

/// A made-up person with a valid fiscal code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Name and surname.
    pub full_name: String,
    /// The surname alone (children take it).
    pub surname: &'static str,
    /// The fiscal code.
    pub fiscal_code: String,
}

impl Person {
    /// A person born between `born_from` and `born_to` (years), drawn from `rng`.
    pub fn random(rng: &mut Rng, born_from: i16, born_to: i16) -> Person {
        let surname = *rng.pick(SURNAMES);
        let female = rng.chance(0.5);
        let name = *rng.pick(if female { WOMEN } else { MEN });
        let born = date(
            rng.between(born_from.into(), born_to.into()) as i16,
            rng.between(1, 12) as i8,
            rng.between(1, 28) as i8,
        );
        let weights: Vec<f64> = PLACES.iter().map(|(_, w)| *w).collect();
        let place = PLACES[rng.weighted(&weights)].0;
        Person::new(name, surname, female, born, place)
    }

    /// A person, with the fiscal code their details give.
    pub fn new(name: &str, surname: &'static str, female: bool, born: Date, place: &str) -> Person {
        Person {
            full_name: format!("{name} {surname}"),
            surname,
            fiscal_code: fiscal_code(name, surname, female, born, place),
        }
    }

    /// The person as the actor of their own commands.
    pub fn actor(&self) -> Actor {
        Actor::Citizen { fiscal_code: self.fiscal_code.clone() }
    }
}

/// The fiscal code of a person: three letters of the surname, three of the name, the birth year,
/// month letter and day (plus 40 for women), the birthplace and the check character.
pub fn fiscal_code(name: &str, surname: &str, female: bool, born: Date, place: &str) -> String {
    let mut code = surname_letters(surname);
    code.push_str(&name_letters(name));
    code.push_str(&format!("{:02}", born.year() % 100));
    code.push(char::from(MONTHS[born.month() as usize - 1]));
    code.push_str(&format!("{:02}", born.day() as i32 + if female { 40 } else { 0 }));
    code.push_str(place);
    let chars: Vec<char> = code.chars().collect();
    code.push(check_character(&chars));
    code
}

/// Consonants and vowels of a name in capitals, nothing else.
fn letters(text: &str) -> (Vec<char>, Vec<char>) {
    let upper: Vec<char> = text.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_uppercase()).collect();
    upper.into_iter().partition(|c| !"AEIOU".contains(*c))
}

fn surname_letters(surname: &str) -> String {
    let (consonants, vowels) = letters(surname);
    consonants.into_iter().chain(vowels).chain(std::iter::repeat('X')).take(3).collect()
}

fn name_letters(name: &str) -> String {
    let (consonants, vowels) = letters(name);
    if consonants.len() >= 4 {
        return [consonants[0], consonants[2], consonants[3]].into_iter().collect();
    }
    consonants.into_iter().chain(vowels).chain(std::iter::repeat('X')).take(3).collect()
}

/// The applicants of a run: `count` people, each drawn from its own stream of `seed`.
pub fn applicants(seed: u64, count: usize) -> Vec<Person> {
    (0..count).map(|i| Person::random(&mut Rng::new(seed ^ 0xA991_1CA7, i as u64), 1945, 2004)).collect()
}

/// A member of staff: user id and roles.
pub type Member = (&'static str, &'static [&'static str]);

/// The offices of the shipped workflows and who works there.
pub const STAFF: &[(&str, &[Member])] = &[
    ("anagrafe", &[("m.rossi", &["clerk"]), ("g.ferrari", &["clerk"]), ("a.russo", &["clerk"])]),
    ("segreteria", &[("l.bianchi", &["clerk"]), ("f.romano", &["clerk"])]),
    ("edilizia", &[("s.colombo", &["clerk"]), ("p.ricci", &["clerk"]), ("d.marino", &["clerk", "manager"])]),
    ("polizia-locale", &[("r.greco", &["clerk"]), ("c.bruno", &["clerk"]), ("e.gallo", &["clerk", "commander"])]),
    ("scuola", &[("v.conti", &["clerk"]), ("m.deluca", &["clerk"])]),
];

/// The people of `office` with `role`.
pub fn staff_with(office: &str, role: &str) -> Vec<&'static str> {
    STAFF
        .iter()
        .filter(|(o, _)| *o == office)
        .flat_map(|(_, people)| people.iter())
        .filter(|(_, roles)| roles.contains(&role))
        .map(|(user, _)| *user)
        .collect()
}

/// A member of staff of `office` as an actor, with every role they hold.
pub fn staff_actor(office: &str, user: &str) -> Actor {
    let roles = STAFF
        .iter()
        .filter(|(o, _)| *o == office)
        .flat_map(|(_, people)| people.iter())
        .find(|(u, _)| *u == user)
        .map(|(_, roles)| roles.iter().map(|r| (*r).to_owned()).collect())
        .unwrap_or_default();
    Actor::Staff { user: user.to_owned(), roles, offices: vec![office.to_owned()] }
}

#[cfg(test)]
mod tests {
    use sportello_definition::codice_fiscale::CodiceFiscale;

    use super::*;

    #[test]
    fn fiscal_codes_follow_the_agency_rules() {
        // The code the engine's tests use: Mario Rossi, born 10 December 1985 in San Giuliano Terme (A562).
        assert_eq!(fiscal_code("Mario", "Rossi", false, date(1985, 12, 10), "A562"), "RSSMRA85T10A562S");
        // Four consonants or more in the name: the first, third and fourth.
        assert_eq!(&fiscal_code("Francesca", "Bianchi", true, date(1990, 1, 1), "F257")[..11], "BNCFNC90A41");
        // Few letters: vowels after consonants, then X.
        assert_eq!(&fiscal_code("Ion", "Fo", false, date(2001, 2, 3), "Z129")[..6], "FOXNIO");
    }

    #[test]
    fn every_applicant_has_a_valid_code_and_most_are_distinct() {
        let people = applicants(7, 5_000);
        for person in &people {
            assert!(CodiceFiscale::parse(&person.fiscal_code).is_ok(), "{person:?}");
        }
        let distinct: std::collections::HashSet<_> = people.iter().map(|p| &p.fiscal_code).collect();
        assert!(distinct.len() > 4_900, "{}", distinct.len());
        assert_eq!(applicants(7, 10), applicants(7, 10));
    }

    #[test]
    fn each_office_has_clerks_and_the_roles_its_workflow_needs() {
        for (office, _) in STAFF {
            assert!(!staff_with(office, "clerk").is_empty(), "{office}");
        }
        assert_eq!(staff_with("edilizia", "manager"), ["d.marino"]);
        assert_eq!(staff_with("polizia-locale", "commander"), ["e.gallo"]);
    }
}
