//! The letter's locale: dates as a letter in each language writes them.

const MONTHS: [(&str, [&str; 12]); 5] = [
    (
        "en",
        [
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
        ],
    ),
    (
        "ru",
        [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ],
    ),
    (
        "de",
        [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ],
    ),
    (
        "fr",
        [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
    ),
    (
        "es",
        [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
    ),
];

/// A date as a letter in that language writes it; other languages get ISO 8601.
pub fn format_date(date: time::Date, language: &str) -> String {
    let (d, m, y) = (date.day(), date.month() as usize - 1, date.year());
    let base = language.split('-').next().unwrap_or("");
    match MONTHS.iter().find(|(l, _)| *l == base) {
        Some(("en", names)) => format!("{d} {} {y}", names[m]),
        Some(("ru", names)) => format!("{d} {} {y} г.", names[m]),
        Some(("de", names)) => format!("{d}. {} {y}", names[m]),
        Some(("fr", names)) => format!("{d} {} {y}", names[m]),
        Some(("es", names)) => format!("{d} de {} de {y}", names[m]),
        _ => date.to_string(),
    }
}
