//! Guessing which column holds what, from header names in English, Russian, German, French
//! and Spanish and from the exports of common petition platforms (Action Network `can2_*`,
//! SpeakOut, Proca `contact.*`, openPetition). Anything not recognised is kept as a custom field.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// Where a column's values go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Field {
    FirstName,
    LastName,
    /// "Anna Petrova": split at the last space unless first and last name have columns too.
    FullName,
    Email,
    Phone,
    Street,
    Postcode,
    Town,
    Country,
    Language,
    Consent,
    ConsentDate,
    Subscription,
    Tags,
    SignedAt,
    Comment,
    /// Kept under the column's header in the person's custom fields.
    Custom,
    /// Dropped on purpose.
    Ignore,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::FirstName,
        Field::LastName,
        Field::FullName,
        Field::Email,
        Field::Phone,
        Field::Street,
        Field::Postcode,
        Field::Town,
        Field::Country,
        Field::Language,
        Field::Consent,
        Field::ConsentDate,
        Field::Subscription,
        Field::Tags,
        Field::SignedAt,
        Field::Comment,
        Field::Custom,
        Field::Ignore,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::FullName => "full_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Street => "street",
            Field::Postcode => "postcode",
            Field::Town => "town",
            Field::Country => "country",
            Field::Language => "language",
            Field::Consent => "consent",
            Field::ConsentDate => "consent_date",
            Field::Subscription => "subscription",
            Field::Tags => "tags",
            Field::SignedAt => "signed_at",
            Field::Comment => "comment",
            Field::Custom => "custom",
            Field::Ignore => "ignore",
        }
    }

    pub fn parse(name: &str) -> Result<Field> {
        let n = name.trim().to_lowercase().replace(['-', ' '], "_");
        Field::ALL
            .into_iter()
            .find(|f| f.name() == n)
            .ok_or_else(|| {
                let all: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                Error::InvalidInput(format!(
                    "'{name}' is not a field; use one of {}",
                    all.join(", ")
                ))
            })
    }
}

/// One column of the file and the field it feeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ColumnMapping {
    pub index: u32,
    pub header: String,
    pub field: Field,
}

/// Headers as compared: lower-case letters and digits only, platform prefixes removed.
fn normalise_header(h: &str) -> String {
    let lower = h.trim().trim_start_matches('\u{feff}').to_lowercase();
    let lower = lower
        .strip_prefix("contact.")
        .or_else(|| lower.strip_prefix("can2_user_"))
        .or_else(|| lower.strip_prefix("can2_"))
        .or_else(|| lower.strip_prefix("supporter."))
        .unwrap_or(&lower);
    lower.chars().filter(|c| c.is_alphanumeric()).collect()
}

const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::FirstName,
        &[
            "firstname",
            "first",
            "givenname",
            "forename",
            "fname",
            "vorname",
            "prénom",
            "prenom",
            "nombre",
            "имя",
        ],
    ),
    (
        Field::LastName,
        &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "lname",
            "nachname",
            "familienname",
            "nom",
            "nomdefamille",
            "apellido",
            "apellidos",
            "фамилия",
        ],
    ),
    (
        Field::FullName,
        &[
            "name",
            "fullname",
            "yourname",
            "signatory",
            "nomcomplet",
            "nombrecompleto",
            "vollständigername",
            "фио",
            "имяифамилия",
            "имяфамилия",
        ],
    ),
    (
        Field::Email,
        &[
            "email",
            "emailaddress",
            "mail",
            "mailaddress",
            "youremail",
            "emailadresse",
            "courriel",
            "adresseemail",
            "adressemail",
            "correo",
            "correoelectrónico",
            "correoelectronico",
            "электроннаяпочта",
            "почта",
            "адресэлектроннойпочты",
            "емейл",
            "емэйл",
            "эпочта",
        ],
    ),
    (
        Field::Phone,
        &[
            "phone",
            "phonenumber",
            "telephone",
            "tel",
            "mobile",
            "mobilephone",
            "telefon",
            "handy",
            "téléphone",
            "teléfono",
            "telefono",
            "телефон",
            "мобильный",
        ],
    ),
    (
        Field::Street,
        &[
            "street",
            "streetaddress",
            "address",
            "address1",
            "addressline1",
            "strasse",
            "straße",
            "adresse",
            "anschrift",
            "rue",
            "dirección",
            "direccion",
            "calle",
            "улица",
            "адрес",
        ],
    ),
    (
        Field::Postcode,
        &[
            "postcode",
            "postalcode",
            "zip",
            "zipcode",
            "postcodezip",
            "plz",
            "postleitzahl",
            "codepostal",
            "cp",
            "códigopostal",
            "codigopostal",
            "индекс",
            "почтовыйиндекс",
        ],
    ),
    (
        Field::Town,
        &[
            "city",
            "town",
            "ort",
            "stadt",
            "wohnort",
            "ville",
            "ciudad",
            "localidad",
            "город",
            "населённыйпункт",
            "населенныйпункт",
        ],
    ),
    (
        Field::Country,
        &[
            "country",
            "countrycode",
            "land",
            "staat",
            "pays",
            "país",
            "pais",
            "страна",
        ],
    ),
    (
        Field::Language,
        &[
            "language", "lang", "locale", "sprache", "langue", "idioma", "язык",
        ],
    ),
    (
        Field::Consent,
        &[
            "consent",
            "optin",
            "emailoptin",
            "newsletter",
            "cancontact",
            "contactconsent",
            "einwilligung",
            "consentement",
            "consentimiento",
            "согласие",
            "согласиенарассылку",
        ],
    ),
    (
        Field::ConsentDate,
        &["consentdate", "optindate", "consentat"],
    ),
    (
        Field::Subscription,
        &[
            "subscription",
            "subscriptionstatus",
            "subscribed",
            "emailstatus",
            "abonnement",
            "suscripción",
            "подписка",
        ],
    ),
    (
        Field::Tags,
        &[
            "tags",
            "tag",
            "labels",
            "schlagworte",
            "étiquettes",
            "etiquetas",
            "метки",
            "теги",
        ],
    ),
    (
        Field::SignedAt,
        &[
            "date",
            "datesigned",
            "signedat",
            "signeddate",
            "signaturedate",
            "createdat",
            "timestamp",
            "datum",
            "unterschriftsdatum",
            "fecha",
            "дата",
            "датаподписи",
        ],
    ),
    (
        Field::Comment,
        &[
            "comment",
            "comments",
            "message",
            "kommentar",
            "commentaire",
            "comentario",
            "комментарий",
        ],
    ),
    (Field::Ignore, &["rejectedline", "rejectedbecause"]),
];

/// The guess for one header.
pub fn guess_field(header: &str) -> Field {
    let h = normalise_header(header);
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map_or(Field::Custom, |(f, _)| *f)
}

/// The guessed mapping of a header row. A field claimed by an earlier column is not given to
/// a later one: the later column stays a custom field instead of being silently merged.
pub fn guess(headers: &[String]) -> Vec<ColumnMapping> {
    let mut taken = Vec::new();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut field = guess_field(h);
            if !matches!(field, Field::Custom | Field::Ignore) {
                if taken.contains(&field) {
                    field = Field::Custom;
                } else {
                    taken.push(field);
                }
            }
            ColumnMapping {
                index: i as u32,
                header: h.clone(),
                field,
            }
        })
        .collect()
}

/// Applies the user's changes (by column index) over the guess.
pub fn apply_overrides(mapping: &mut [ColumnMapping], overrides: &[ColumnMapping]) -> Result<()> {
    let columns = mapping.len();
    for o in overrides {
        let col = mapping.get_mut(o.index as usize).ok_or_else(|| {
            Error::InvalidInput(format!(
                "the mapping names column {} but the file has {} columns",
                o.index + 1,
                columns
            ))
        })?;
        col.field = o.field;
    }
    Ok(())
}

/// Parses `--map "Header=field"` as the CLI takes it, against the file's headers.
pub fn parse_override(spec: &str, headers: &[String]) -> Result<ColumnMapping> {
    let (header, field) = spec.rsplit_once('=').ok_or_else(|| {
        Error::InvalidInput(format!(
            "--map \"{spec}\" should look like \"Column header=field\""
        ))
    })?;
    let field = Field::parse(field)?;
    let wanted = header.trim();
    let index = headers
        .iter()
        .position(|h| h.trim() == wanted)
        .or_else(|| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(wanted))
        })
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "the file has no column \"{wanted}\"; its columns are: {}",
                headers.join(", ")
            ))
        })?;
    Ok(ColumnMapping {
        index: index as u32,
        header: headers[index].clone(),
        field,
    })
}
